#ifndef PACETOP_CLIBXML2_SHIM_H
#define PACETOP_CLIBXML2_SHIM_H
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#endif
