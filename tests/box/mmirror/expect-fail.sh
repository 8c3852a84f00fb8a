#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Mutation check: runs a targeted test against a module with a planted bug and passes only if
# the test fails the way a caught bug does (exit 1), not by skipping (77) or crashing.
# usage: expect-fail.sh COMMAND [ARGS...]
"$@"
rc=$?
[ "$rc" = 1 ] && { echo "caught: the test failed against the planted bug"; exit 0; }
echo "NOT CAUGHT: the test exited $rc against the planted bug (want 1)"
exit 1
