#!/usr/bin/env python3
"""quiz_schema: assets/quiz/questions.json and assets/glossary.json against their JSON Schemas
(draft 2020-12, python3-jsonschema), and a few broken copies that the schemas must refuse, so that
a schema that accepts everything cannot pass."""
import copy
import json
import os
import sys

from checks import Checks

try:
    import jsonschema
except ImportError:
    print("quiz_schema: python3-jsonschema is missing (scripts/setup.sh installs it)")
    sys.exit(1)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

check = Checks("quiz_schema")


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def errors(validator, doc):
    return sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))


qschema = load("assets/quiz/questions.schema.json")
gschema = load("assets/quiz/glossary.schema.json")
bank = load("assets/quiz/questions.json")
glossary = load("assets/glossary.json")
for name, schema in (("questions.schema.json", qschema), ("glossary.schema.json", gschema)):
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        check(True, name)
    except jsonschema.SchemaError as e:
        check(False, "%s is not a valid draft 2020-12 schema: %s" % (name, e.message))
qv = jsonschema.Draft202012Validator(qschema)
gv = jsonschema.Draft202012Validator(gschema)

for e in errors(qv, bank):
    check(False, "questions.json at $.%s: %s" % (".".join(map(str, e.absolute_path)), e.message))
check(not errors(qv, bank), "questions.json validates")
for e in errors(gv, glossary):
    check(False, "glossary.json at $.%s: %s" % (".".join(map(str, e.absolute_path)), e.message))
check(not errors(gv, glossary), "glossary.json validates")
check(len(bank["questions"]) >= 80, "at least 80 questions")
weights = [q.get("exam_weight") for q in bank["questions"]]
check(all(q.get("source", "").strip() for q in bank["questions"]), "every question has a source")
check(all(weights.count(w) >= 5 for w in ("high", "medium", "low")),
      "every exam weight has questions: %s" % {w: weights.count(w) for w in ("high", "medium", "low")})


def first(kind, with_check=None):
    for q in bank["questions"]:
        if q["kind"] == kind and (with_check is None or with_check in q.get("check", {})):
            return copy.deepcopy(q)
    raise SystemExit("quiz_schema: the bank has no %s question" % kind)


def refused(mutate, what, validator=qv, doc=bank, item=None):
    d = copy.deepcopy(doc)
    if item is not None:
        d["questions"] = [item]
    mutate(d)
    check(bool(errors(validator, d)), "the schema refuses " + what)


choice = first("choice")
click = first("click")
refused(lambda d: d.update(extra=1), "an unknown top-level key")
refused(lambda d: d["questions"][0].update(hint="x"), "an unknown key in a question", item=choice)
refused(lambda d: d["questions"][0]["ja"].pop("explanation"), "a question without an explanation", item=choice)
refused(lambda d: d["questions"][0].pop("en"), "a question without English", item=choice)
refused(lambda d: d["questions"][0].update(topic="dkim"), "an unknown topic", item=choice)
refused(lambda d: d["questions"][0].pop("source"), "a question without a source", item=choice)
refused(lambda d: d["questions"][0].update(source=" "), "a blank source", item=choice)
refused(lambda d: d["questions"][0].pop("exam_weight"), "a question without an exam weight", item=choice)
refused(lambda d: d["questions"][0].update(exam_weight="often"), "an unknown exam weight", item=choice)
refused(lambda d: d["questions"][0].update(step=10), "step 10", item=choice)
refused(lambda d: d["questions"][0].update(answer="mx.b"), "a choice question answered by an agent", item=choice)
refused(lambda d: d["questions"][0]["ja"].update(choices=["a", "b"]), "a click question with choices", item=click)
refused(lambda d: d["questions"][0].update(check={"step_port": {"step": 1}}), "a step_port without its port", item=choice)
refused(lambda d: d["questions"][0].update(check={"step_port": {"step": 1, "port": 25, "hop": 2}}),
        "an unknown key in a claim", item=choice)
refused(lambda d: d["questions"][0].update(check={"wire_contains": "x", "log_contains": "y"}),
        "two claims in one check", item=choice)
refused(lambda d: d["questions"][0].update(check={"with": {"smime": True}}), "a check without a claim", item=choice)
refused(lambda d: d["questions"][0].update(check={"not": {"with": {"smime": True}, "wire_contains": "x"}}),
        "\"with\" inside \"not\"", item=choice)
refused(lambda d: d["questions"][0].update(check={"sniffed": {"finding": "body", "value": "a", "contains": "b"}}),
        "a sniffed claim with both value and contains", item=choice)
refused(lambda d: d["terms"][0].update(see="x"), "an unknown key in a glossary term", gv, glossary)
refused(lambda d: d["terms"][0]["ja"].pop("definition"), "a glossary term without a definition", gv, glossary)

sys.exit(check.summary())
