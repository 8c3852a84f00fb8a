/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MIRRORVM_SERIAL_H
#define MIRRORVM_SERIAL_H

#include <stdbool.h>

/* Whether stdin is worth reading as console input: a terminal or a pipe. */
bool serial_stdin_useful(void);

#endif
