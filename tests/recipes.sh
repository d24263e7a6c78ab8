#!/bin/sh
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
skip_all "not written yet"
