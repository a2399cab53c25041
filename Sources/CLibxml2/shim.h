#ifndef PACETOP_CLIBXML2_SHIM_H
#define PACETOP_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose headers clash with Foundation's own ICU module.
// We only use encoding handlers through pointers, so hide the ICU parts of the headers.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#endif
