"""Generate the failures sample: equipment.json, equipment_sensors.csv and
equipment_failure_sensors.log in the shapes of the real export (CRLF,
tab-separated log, `;` CSV), small and made up, with a fixed seed.

A few lines are bad on purpose (a garbled line, a sensor that maps to no
equipment, a repeated line) so a run of the sample shows the rejects table.

    .venv/bin/python samples/failures/generate.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20200101
GROUPS = ["GRP1ALFA", "GRP2BETA", "GRP3GAMA"]
EQUIPMENT = 6
SENSORS = 24
LINES = 1500
START = dt.datetime(2019, 12, 15)
SPAN_SECONDS = 60 * 24 * 3600  # mid-December to mid-February


def main() -> None:
    rng = random.Random(SEED)
    equipment = [
        {"equipment_id": i, "code": f"{rng.getrandbits(32):08X}", "group_name": GROUPS[i % len(GROUPS)]}
        for i in range(1, EQUIPMENT + 1)
    ]
    (HERE / "equipment.json").write_text(json.dumps(equipment, indent="\t").replace("\n", "\r\n"), encoding="utf-8")
    mapping = [(rng.randint(1, EQUIPMENT), sensor) for sensor in range(1, SENSORS + 1)]
    csv_lines = ["equipment_id;sensor_id"] + [f"{e};{s}" for e, s in mapping]
    (HERE / "equipment_sensors.csv").write_bytes(("\r\n".join(csv_lines) + "\r\n").encode())

    lines = []
    for _ in range(LINES):
        at = START + dt.timedelta(seconds=rng.randrange(SPAN_SECONDS))
        sensor = rng.randint(1, SENSORS)
        temperature = round(rng.uniform(0, 500), 2)
        vibration = round(rng.uniform(-8000, 8000), 2)
        lines.append(
            f"[{at:%Y-%m-%d %H:%M:%S}]\tERROR\tsensor[{sensor}]:\t(temperature\t{temperature}, vibration\t{vibration})"
        )
    lines = sorted(set(lines))  # one reading per line: no accidental repeats
    rng.shuffle(lines)
    lines[10] = lines[10][:30]  # a truncated line
    lines.insert(20, "[2020-01-05 07:00:00]\tERROR\tsensor[99]:\t(temperature\t12.5, vibration\t-3.25)")
    lines.append(lines[5])  # a repeated line
    (HERE / "equipment_failure_sensors.log").write_bytes(("\r\n".join(lines) + "\r\n").encode())


if __name__ == "__main__":
    main()
