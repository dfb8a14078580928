// Whether a host's PEs share its cores (lib/runtime/cores.ts): from the
// cores the process may run on, unless Open MPI bound each rank to cores
// of its own (its default for `mpirun -np 2`, which leaves each rank one core).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharesCores } from '../../lib/runtime/cores';

const bound = { OMPI_MCA_orte_bound_at_launch: '1', OMPI_MCA_mpi_oversubscribe: '0' };

test('unbound PEs share the cores when there are more PEs than cores', () => {
  assert.is(sharesCores(2, 2, {}), false);
  assert.is(sharesCores(3, 2, {}), true);
  assert.is(sharesCores(3, 2, { OMPI_MCA_mpi_oversubscribe: '1' }), true, 'mpirun --oversubscribe, unbound');
});

test('ranks Open MPI bound without oversubscribing have cores of their own, though each sees one', () => {
  assert.is(sharesCores(2, 1, bound), false, 'mpirun -np 2 on 2 cores: each rank bound to one');
  assert.is(sharesCores(2, 1, { ...bound, OMPI_MCA_mpi_oversubscribe: '1' }), true, 'bound with --oversubscribe: they may share');
  assert.is(sharesCores(2, 1, { OMPI_MCA_orte_bound_at_launch: '1' }), true, 'no word on oversubscription: by the count');
});

test.run();
