#!/bin/sh
echo "cmocka was not found by configure: install libcmocka-dev and re-run ./configure" >&2
exit 1
