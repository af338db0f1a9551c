#!/usr/bin/env python3
"""Regenerate the compact tables embedded in jobmatch-demo.

Usage: python3 derive.py [SHARED_DATA_DIR]   (default: ../../../../shared/data)
Writes occupations.tsv (only the ESCO occupations the demo archetypes use), last_names.txt,
first_names.txt and street_names.txt next to this script. Python 3 standard library only.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/data")

# ESCO preferred English labels used by the archetypes in src/archetypes.rs (the Rust side refers to them by
# this label, so keep both lists in step).
OCCUPATIONS = [
    "warehouse worker", "warehouse order picker", "forklift operator", "hand packer", "mover",
    "cargo vehicle driver", "delivery driver", "postman/postwoman", "bus driver", "refuse vehicle driver",
    "kitchen porter", "kitchen assistant", "waiter/waitress", "cook", "bartender",
    "domestic cleaner", "building cleaner", "room attendant", "window cleaner", "hotel porter", "receptionist",
    "child day care worker", "child care worker", "home care aide", "healthcare assistant", "hospital porter",
    "shop assistant", "cashier", "shelf filler", "baker", "slaughterer", "meat cutter",
    "groundsman/groundswoman", "garden labourer", "building construction worker", "bricklayer", "carpenter",
    "food production operator", "factory hand", "call centre agent", "office clerk", "data entry clerk",
    "vehicle cleaner", "refuse collector", "street sweeper", "forest worker", "horticulture worker",
    "fruit and vegetable picker", "laundry worker",
]


def main():
    with open(os.path.join(SRC, "taxonomy/esco_occupations_en.csv"), encoding="utf-8") as f:
        isco = {r["occupation_uri"]: r["isco_code"] for r in csv.DictReader(f)}
    found = {}
    with open(os.path.join(SRC, "taxonomy/esco_occupations_da_en.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["preferred_en"] in OCCUPATIONS and r["preferred_en"] not in found:
                alts = [a.strip() for a in r["alt_labels_da"].split("|") if a.strip()]
                found[r["preferred_en"]] = (r["preferred_en"], r["esco_uri"], isco.get(r["esco_uri"], ""),
                                            r["preferred_da"].strip(), "|".join(alts))
    missing = [o for o in OCCUPATIONS if o not in found or not found[o][2]]
    assert not missing, "not found or without ISCO code: %s" % missing
    with open(os.path.join(HERE, "occupations.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#preferred_en\tesco_uri\tisco\tpreferred_da\talt_labels_da\n")
        for o in OCCUPATIONS:
            f.write("\t".join(found[o]) + "\n")

    def lines(name):
        with open(os.path.join(SRC, "names", name), encoding="utf-8") as f:
            return [l.strip() for l in f if l.strip()]

    def write(name, items):
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(items) + "\n")

    write("last_names.txt", lines("last_names.txt"))
    write("first_names.txt", sorted(set(lines("first_names_female.txt") + lines("first_names_male.txt"))))
    write("street_names.txt", lines("street_names.txt"))
    print("occupations %d" % len(OCCUPATIONS))


if __name__ == "__main__":
    main()
