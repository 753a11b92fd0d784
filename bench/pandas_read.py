"""What an analyst would do instead of nianbao: read every submission under a folder with
pandas, every sheet of every workbook and every CSV, in a pool of worker processes, and count
the non-empty cells (as examples/floor.rs does). Used by bench/run.sh and bench/device.sh.

    python bench/pandas_read.py ENGINE PROCESSES DIR [LIMIT]

ENGINE is openpyxl or calamine (pandas' engine for the workbooks; CSVs go through
pandas.read_csv either way). LIMIT reads only LIMIT files, every k-th in sorted order, for
a subset when the whole county would take too long. Prints one line: files, cells, seconds.
"""

import os
import sys
import time
from functools import partial
from multiprocessing import Pool

import pandas as pd

def cells(engine, path):
    if path.lower().endswith(".csv"):
        try:
            frame = pd.read_csv(path, header=None, dtype=str, encoding="utf-8")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, header=None, dtype=str, encoding="gb18030")
        except (pd.errors.ParserError, pd.errors.EmptyDataError):
            return 0
        return int(frame.notna().sum().sum())
    if path.lower().endswith((".xlsx", ".xls")):
        try:
            sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
        except Exception:  # a workbook the engine cannot open counts as none, as in the floor
            return 0
        return sum(int(frame.notna().sum().sum()) for frame in sheets.values())
    return 0


def main():
    engine, processes, folder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    paths = sorted(
        os.path.join(root, name) for root, _, names in os.walk(folder) for name in names
    )
    if limit is not None and limit < len(paths):
        # Evenly spread over the folders, which hold one kind of file each (CSV, workbooks).
        paths = paths[:: len(paths) // limit][:limit]
    started = time.perf_counter()
    with Pool(processes) as pool:
        total = sum(pool.imap_unordered(partial(cells, engine), paths, chunksize=16))
    seconds = time.perf_counter() - started
    print(f"{len(paths)} files, {total} cells, {seconds:.3f} s ({engine}, {processes} processes)")


if __name__ == "__main__":
    main()
