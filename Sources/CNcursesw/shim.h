#ifndef PACETOP_CNCURSESW_SHIM_H
#define PACETOP_CNCURSESW_SHIM_H
// SwiftPM drops pkg-config -D flags: define the wide-character switches here.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <ncurses.h>

// Globals and macros do not import cleanly into Swift 6: wrap them.
static inline WINDOW *pacetop_stdscr(void) { return stdscr; }
static inline int pacetop_lines(void) { return LINES; }
static inline int pacetop_cols(void) { return COLS; }
static inline int pacetop_colors(void) { return COLORS; }
static inline int pacetop_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t pacetop_a_bold(void) { return A_BOLD; }
static inline attr_t pacetop_a_dim(void) { return A_DIM; }
static inline attr_t pacetop_a_underline(void) { return A_UNDERLINE; }
static inline attr_t pacetop_a_reverse(void) { return A_REVERSE; }
static inline attr_t pacetop_a_italic(void) { return A_ITALIC; }
static inline attr_t pacetop_a_normal(void) { return A_NORMAL; }
// getmaxyx, KEY_F and CODESET are macros.
static inline int pacetop_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int pacetop_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline const char *pacetop_codeset(void) { return nl_langinfo(CODESET); }
static inline int pacetop_key_f(int n) { return KEY_F(n); }
#endif
