/// The JSON Schema of scenario files, as `docs/scenario.schema.json` publishes it (a test
/// keeps the two the same; `obsw emulator --scenario-schema` prints it). Scenario files are
/// checked against it before anything is made from them.
public enum ScenarioSchema {
    public static let text = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:obsw:scenario-schema:1",
  "title": "obsw scenario",
  "description": "The workflows and executions an obsw emulator serves (obsw emulator --scenario FILE, obsw --local --scenario FILE, '# scenario:' in a runbook test). 'obsw snapshot' writes one from a real service; 'seed' and the top-level 'executions' make demo data.",
  "type": "object",
  "properties": {
    "$schema": {"type": "string"},
    "format": {"const": "obsw-scenario/1", "description": "The format's name and version."},
    "taken_at": {"$ref": "#/$defs/time", "description": "When obsw snapshot read the service."},
    "source": {
      "type": "object",
      "description": "Where a snapshot came from, for the reader; never credentials.",
      "properties": {
        "service": {"enum": ["obs", "dwr"]},
        "endpoint": {"type": "string"},
        "query": {"type": "string"},
        "redacted": {"type": "array", "items": {"type": "string"}}
      },
      "additionalProperties": false
    },
    "graphs": {"type": "array", "items": {"$ref": "#/$defs/graph"}},
    "executions": {"type": "array", "items": {"$ref": "#/$defs/objectExecution"}}
  },
  "additionalProperties": false,
  "$defs": {
    "time": {
      "type": "string",
      "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|z|[+-][0-9]{2}:?[0-9]{2})$",
      "description": "a time in ISO 8601 with its zone, like 2026-12-07T04:00:00.000Z"
    },
    "duration": {
      "type": "string",
      "pattern": "^([0-9]+(ms|s|m|h|d))+$",
      "description": "a duration like 500ms, 90s, 5m, 2h or 1h30m"
    },
    "graph": {
      "type": "object",
      "description": "A workflow: its states (a list of names run in order, or 'definition' as the service shows it), and its executions.",
      "required": ["name"],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "states": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        "definition": {
          "type": "object",
          "required": ["states"],
          "properties": {
            "states": {
              "anyOf": [
                {"type": "array", "items": {"$ref": "#/$defs/stateDefinition"}, "minItems": 1},
                {"type": "object", "additionalProperties": {"$ref": "#/$defs/stateDefinition"}, "minProperties": 1}
              ]
            },
            "inputs": {"type": ["array", "object", "null"]}
          }
        },
        "seed": {"$ref": "#/$defs/seed"},
        "on_resume": {
          "type": "array",
          "description": "What a resume of a recorded execution does: the first rule whose 'when' matches its failure applies; none matching: it succeeds.",
          "items": {"$ref": "#/$defs/resumeRule"}
        },
        "executions": {"type": "array", "items": {"$ref": "#/$defs/recordedExecution"}}
      },
      "additionalProperties": false
    },
    "stateDefinition": {
      "type": "object",
      "required": ["state_name"],
      "properties": {
        "state_name": {"type": "string", "minLength": 1},
        "type": {"type": "string"},
        "start": {"type": "boolean"},
        "next_state": {"type": ["string", "null"]}
      }
    },
    "seed": {
      "type": "object",
      "description": "Demo executions made from object keys: count of them started over 'over', a share FAILED (fail_always of those for good), a share RUNNING.",
      "properties": {
        "count": {"type": "integer", "minimum": 0, "maximum": 1000000},
        "failed": {"type": "number", "minimum": 0, "maximum": 1},
        "fail_always": {"type": "number", "minimum": 0, "maximum": 1},
        "running": {"type": "number", "minimum": 0, "maximum": 1},
        "over": {"$ref": "#/$defs/duration"}
      },
      "additionalProperties": false
    },
    "objectExecution": {
      "type": "object",
      "description": "A demo execution whose object key decides how it fails (fail-once, fail-twice, fail-always, -in-STATE, timeout, upstream, slow).",
      "required": ["graph", "object"],
      "properties": {
        "graph": {"type": "string", "minLength": 1},
        "bucket": {"type": "string", "minLength": 1},
        "object": {"type": "string", "minLength": 1},
        "started_ago": {"$ref": "#/$defs/duration"}
      },
      "additionalProperties": false
    },
    "recordedExecution": {
      "type": "object",
      "description": "An execution as the service showed it; replayed exactly until it is resumed.",
      "required": ["name", "state", "started_at", "state_map"],
      "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"enum": ["APICALL", "TRIGGERCAL"]},
        "state": {"enum": ["RUNNING", "SUCCESS", "FAILED", "TIMEOUT", "CANCELLED"]},
        "started_at": {"$ref": "#/$defs/time"},
        "stopped_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"const": ""}, {"type": "null"}]},
        "restored_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]},
        "input": {"description": "The input as the service wrote it: JSON text or an object."},
        "state_map": {
          "type": "object",
          "description": "Each state of the graph by name; a FAILED execution has a FAILED state.",
          "additionalProperties": {"$ref": "#/$defs/stateRecord"}
        },
        "on_resume": {"$ref": "#/$defs/resumeRule", "description": "What resuming this execution does (before the graph's rules)."},
        "run_for": {"$ref": "#/$defs/duration", "description": "A RUNNING execution: how long after the emulator starts its running state ends (default 30m)."}
      },
      "additionalProperties": false
    },
    "stateRecord": {
      "type": "object",
      "required": ["status"],
      "properties": {
        "status": {"enum": ["NOTRUNNING", "RUNNING", "SUCCESS", "FAILED", "TIMEOUT", "CANCELLED"]},
        "type": {"type": "string"},
        "started_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"const": ""}, {"type": "null"}]},
        "stopped_at": {"anyOf": [{"$ref": "#/$defs/time"}, {"const": ""}, {"type": "null"}]},
        "error": {"type": ["string", "null"]}
      },
      "additionalProperties": false
    },
    "resumeRule": {
      "type": "object",
      "properties": {
        "when": {
          "type": "object",
          "description": "Which failures the rule is for; every field given must match.",
          "properties": {
            "executions": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "state": {"type": "string", "minLength": 1},
            "error_contains": {"type": "string", "minLength": 1},
            "error_matches": {"type": "string", "minLength": 1, "description": "A regular expression searched for in the error text."},
            "error_group": {"type": "string", "minLength": 1, "description": "A cause as triage shows it: the error with numbers, ids and times masked (<n>, <id>, <time>)."}
          },
          "additionalProperties": false
        },
        "then": {"enum": ["succeed", "fail_again"]},
        "error": {"type": "string", "minLength": 1, "description": "fail_again: the new failure's error (default: the failure's own)."},
        "fail_again_probability": {"type": "number", "minimum": 0, "maximum": 1, "description": "The share of resumes that fail again; the rest succeed. Decided per execution and resume: a replay is the same every time."},
        "run_for": {"$ref": "#/$defs/duration", "description": "How long the resumed state runs before its outcome."}
      },
      "additionalProperties": false
    }
  }
}
"""# + "\n"
}
