#!/bin/sh
# Every message of ../shared/corpus through `mailtrust check --json` with
# an empty zone: no crash, valid JSON, no sanitizer report.
exec "$(dirname "$0")/../../scripts/corpus-check" --tap "$1"
