"""docs/scenario.schema.json read by the reference validator (python-jsonschema, Draft 2020-12).

    python scenario_schema.py SCHEMA FILE...

Checks the schema itself, then prints one line per FILE: the places the reference validator
finds a problem, written as obsw writes them (graphs[0].executions[5].started_at; a field
that is not allowed at its own place), sorted, or "valid". The Swift test compares these
with obsw's own checker, so the schema obsw documents is the one it enforces.
"""
import json
import re
import sys

import jsonschema


def place(parts):
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[%d]" % part
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            text += ("." if text else "") + part
        else:
            text += "[%s]" % json.dumps(part)
    return text


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name in sys.argv[2:]:
        places = set()
        for error in validator.iter_errors(json.load(open(name))):
            parts = list(error.absolute_path)
            if error.validator == "additionalProperties":
                allowed = set(error.schema.get("properties", {}))
                for key in error.instance:
                    if key not in allowed:
                        places.add(place(parts + [key]))
            else:
                places.add(place(parts))
        print(" ".join(sorted(places)) if places else "valid")


main()
