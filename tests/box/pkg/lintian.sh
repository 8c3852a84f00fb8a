#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# lintian on the built packages: every tag is shown, overridden ones with their reasons
# (debian/*.lintian-overrides); an error that is not overridden fails. (--show-overrides makes
# lintian count overridden tags in its exit status, hence the second run for the verdict.)
# usage: lintian.sh DEB...
set -uo pipefail
lintian --info --display-info --pedantic --show-overrides "$@" 2>&1 |
	grep -v '^running with root privileges'
lintian --pedantic --fail-on error "$@" >/dev/null 2>&1
rc=$?
echo "lintian: exit $rc"
exit $rc
