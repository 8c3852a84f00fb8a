/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bundled test guests: NAME.elf in the build's guest directory (a path compiled in), or in
 * guest/ next to the mirrorvm executable when the build tree has moved.
 */
#ifndef MIRRORVM_GUESTS_H
#define MIRRORVM_GUESTS_H

#include <stddef.h>

/* A path to the image for arg (a path, or a bundled name): 0, or -ENOENT with a message. */
int guests_resolve(const char *arg, char *path, size_t size, char *err, size_t errlen);

/* Prints the bundled guests' names, one a line; the number printed. */
int guests_list(void);

#endif
