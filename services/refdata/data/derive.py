#!/usr/bin/env python3
"""Regenerate the compact reference tables embedded in jobmatch-refdata.

Usage: python3 derive.py [SHARED_DATA_DIR]   (default: ../../../../shared/data)
Writes postcodes.tsv, municipalities.tsv and db07.tsv next to this script.
Python 3 standard library only, so it runs anywhere CI has python3.
"""
import csv
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../../shared/data")


def write(name, header, rows):
    # Tab-separated because titles contain commas and quotes would need a real CSV parser at run time.
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        f.write("#" + "\t".join(header) + "\n")
        for r in rows:
            assert all("\t" not in str(c) and "\n" not in str(c) for c in r), r
            f.write("\t".join(str(c) for c in r) + "\n")


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


# No Danish postcode lies this far from its municipality's point; beyond it the source point is wrong
# (several west-coast points sit in the North Sea, e.g. 6950 Ringkøbing at lon 4.07).
MAX_KM_FROM_MUNICIPALITY = 100.0


def main():
    munis = []
    with open(os.path.join(SRC, "geo/dk_kommuner.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            # Christiansø is administered by the state, not a municipality with a jobcenter.
            if r["is_municipality"] != "1":
                continue
            munis.append((r["kommune_code"].zfill(4), r["kommune_short"], r["kommune_name"],
                          r["region_name"], "%.5f" % float(r["latitude"]), "%.5f" % float(r["longitude"])))
    munis.sort()
    known = {m[0]: (float(m[4]), float(m[5])) for m in munis}
    write("municipalities.tsv", ["code", "name", "full_name", "region", "lat", "lon"], munis)

    with open(os.path.join(SRC, "geo/dk_postcodes.csv"), encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    by_locality = {}
    for r in raw:
        codes = [c.strip().zfill(4) for c in r["kommune_codes_postnord2020"].replace(";", "|").split("|") if c.strip()]
        r["_codes"] = codes
        if codes:
            by_locality.setdefault(r["locality"], []).append(codes[0])
    posts = []
    for r in raw:
        if r["_codes"]:
            # A postcode can span municipalities; the first listed is the one PostNord attributes it to.
            muni = r["_codes"][0]
        else:
            # A few single-company postcodes (e.g. 1212 København K) have no PostNord municipality:
            # take the most common one among postcodes sharing the locality.
            cands = by_locality[r["locality"]]
            muni = max(sorted(set(cands)), key=cands.count)
        assert muni in known, (r["postcode"], muni)
        lat, lon = float(r["latitude"]), float(r["longitude"])
        m = known[muni]
        if km(lat, lon, m[0], m[1]) > MAX_KM_FROM_MUNICIPALITY:
            print("  %s %s: point %.3f,%.3f is %.0f km from its municipality, using the municipality point"
                  % (r["postcode"], r["locality"], lat, lon, km(lat, lon, m[0], m[1])))
            lat, lon = m
        posts.append((r["postcode"], r["locality"], "%.5f" % lat, "%.5f" % lon, muni))
    posts.sort()
    write("postcodes.tsv", ["code", "city", "lat", "lon", "municipality_code"], posts)

    inds = []
    with open(os.path.join(SRC, "industry/db07_da.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            # Codes are stored without dots ("52.10.00" -> "521000") as CVR and the interchange format write them.
            inds.append((r["code"].replace(".", ""), r["section"].strip(), r["title_da"].strip()))
    write("db07.tsv", ["code", "section", "title"], inds)
    print("municipalities %d, postcodes %d, db07 %d" % (len(munis), len(posts), len(inds)))


if __name__ == "__main__":
    main()
