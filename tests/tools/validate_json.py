#!/usr/bin/python3
"""Validate JSON documents against a JSON Schema.

    /usr/bin/python3 tests/tools/validate_json.py SCHEMA DOC...

Prints one line per error, "DOC: $.json.path: message".
Exit status: 0 all documents valid, 1 some document invalid,
2 usage error or a file that cannot be read or parsed.

Needs Debian's python3-jsonschema (4.10 on bookworm), hence /usr/bin/python3
rather than whatever python3 comes first on PATH.
"""
import datetime
import json
import re
import sys

import jsonschema
from jsonschema.validators import validator_for

# jsonschema checks "date-time" only when rfc3339-validator is installed (it
# is not packaged for bookworm), its draft-04 checker skips "date" altogether,
# and date.fromisoformat accepts forms RFC 3339 does not ("20240115"). So the
# two formats the NIST schema uses are checked here, strictly.
DATE = re.compile(r"\d{4}-\d\d-\d\d")
DATE_TIME = re.compile(
    r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)(Z|[+-]\d\d:\d\d)", re.I)

formats = jsonschema.FormatChecker(formats=())


@formats.checks("date", raises=ValueError)
def is_date(value):
    if not isinstance(value, str):
        return True
    return bool(DATE.fullmatch(value)) and bool(
        datetime.date.fromisoformat(value))


@formats.checks("date-time", raises=ValueError)
def is_date_time(value):
    if not isinstance(value, str):
        return True
    m = DATE_TIME.fullmatch(value)
    if not m:
        return False
    zone = "+00:00" if m[3].upper() == "Z" else m[3]
    # fromisoformat range-checks month, day, hour and offset for us.
    return bool(datetime.datetime.fromisoformat(f"{m[1]}T{m[2]}{zone}"))


def explain(error):
    """Yield (json path, message) for each error worth printing.

    A failed oneOf (GpUnit, Contest, BallotSelection, Party) only says the
    whole object matched no branch, and prints the object. When the object's
    "@type" picks out one branch, that branch's own errors are what the
    reader needs.
    """
    if error.validator not in ("oneOf", "anyOf"):
        yield error.json_path, error.message
        return
    names = ", ".join(branch.get("$ref", "?").rsplit(".", 1)[-1]
                      for branch in error.validator_value)
    if not error.context:  # oneOf failing because several branches matched
        yield error.json_path, (f'matches more than one of {names}; '
                                f'set "@type" to say which')
        return
    branches = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    typed = [subs for subs in branches.values()
             if not any(list(s.relative_path) == ["@type"] for s in subs)]
    if len(typed) == 1:
        for sub in typed[0]:
            yield from explain(sub)
    elif not typed:
        yield error.json_path, f'"@type" is none of {names}'
    else:
        yield error.json_path, (f'matches none of {names}; '
                                f'set "@type" to see why')


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        print(f"{path}: cannot read: {e}", file=sys.stderr)
        sys.exit(2)


def main(argv):
    if len(argv) < 3:
        print("usage: validate_json.py SCHEMA DOC...", file=sys.stderr)
        return 2
    schema = load(argv[1])
    cls = validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"{argv[1]}: not a valid schema: {e.message}", file=sys.stderr)
        return 2
    validator = cls(schema, format_checker=formats)

    docs = [(path, load(path)) for path in argv[2:]]
    status = 0
    for path, doc in docs:
        for top in sorted(validator.iter_errors(doc), key=lambda e: e.json_path):
            for where, message in explain(top):
                print(f"{path}: {where}: {message}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
