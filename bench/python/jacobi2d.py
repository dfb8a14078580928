"""Charm4py's own jacobi2d example (examples/jacobi/jacobi2d.py in the Charm4py
sources), run unchanged for `make bench` beside charmts' examples/jacobi2d.

    mpirun -np N python jacobi2d.py EXAMPLE ARRAY_SIZE BLOCK_SIZE [MAX_ITER]

EXAMPLE is the path of the example. Its source is executed in this module, so
its chares and globals live in __main__ as when it is run directly (Charm4py
registers __main__'s chares, and updateGlobals sets __main__'s globals); only
its last line, `charm.start(main)`, is left for this file to call (with
sys.argv cut to the example's two arguments). Two things are added, neither
touching the example's code: MAX_ITER may be set (its own value, 100, when
not given), and the example's closing line ("Finished due to ... iterations N
total time T seconds", timed from array.run() to the last allreduce) is also
printed as one JSON line in bench/cases' format, ms per iteration = T / N,
with params.kernel saying whether the example's kernel ran compiled by numba
or as its interpreted Python loop (the example's fallback without numba).
"""
import builtins
import json
import re
import sys

example, array_size, block_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(example) as f:
    source = f.read()
START = '\ncharm.start(main)\n'
if source.count(START) != 1:
    sys.exit(f'{example}: expected one `charm.start(main)` line to run it from here')
exec(compile(source.replace(START, '\n'), example, 'exec'))
if len(sys.argv) > 4:
    MAX_ITER = int(sys.argv[4])

FINISHED = re.compile(r'^Finished due to .*?(\d+) total time ([\d.]+) seconds$')


def print(*args, **kwargs):
    """The example's print (it looks print up in this module first): passes
    everything on, and adds the JSON line after the closing one."""
    builtins.print(*args, **kwargs)
    done = FINISHED.match(' '.join(str(a) for a in args))
    if done:
        ms = float(done.group(2)) * 1e3 / int(done.group(1))
        params = {'grid': array_size, 'blocks': (array_size // block_size) ** 2,
                  'iterations': int(done.group(1)), 'kernel': 'numba' if numbaFound else 'python'}
        builtins.print(json.dumps({'name': 'jacobi2d-iteration', 'params': params,
                                   'value': ms, 'min': ms, 'max': ms, 'unit': 'ms'}), flush=True)


# The example's main reads its sizes from sys.argv: give it only those.
sys.argv = [sys.argv[0], str(array_size), str(block_size)]
charm.start(main)
