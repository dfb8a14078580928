// Waking an idle PE. MPI gives a process nothing to block on that another
// process's send would end, and polling between short sleeps costs a VM
// 4-5 us of CPU per wake-up (20% of a core at a 25 us step). So the ranks
// of one host share a word each (an MPI shared-memory window): an idle PE
// marks its word and sleeps on it (futex); a sender on the same host that
// finds the mark after its send clears it and wakes the PE. Ranks on other
// hosts cannot wake it: an idle PE also wakes after the time it was given.
#pragma once
#include <mpi.h>

#include <cstdint>

namespace charmts {

/** Allocates the host's words (collective over `world`; at start-up). */
void setUpWaking(MPI_Comm world);

/** Frees them (at shut-down, before MPI_Finalize). */
void tearDownWaking();

/**
 * Where to note a hand-off (set to 1; the owner clears it): this PE woke a
 * sleeping PE of its host, or was woken by one. The kernel tends to run a
 * woken process on its waker's core, so for a while the two may share one
 * core, and the one that waits for the other should yield it rather than
 * spin. `flag` must stay valid (or be replaced) for as long as MPI runs.
 */
void setHandoff(int32_t* flag);

/**
 * Whether another awake PE of this host last waited on the CPU this PE
 * runs on now; notes this PE's CPU for the others. The kernel may keep two
 * PEs on one core for seconds while another stays free (a woken PE starts
 * on its waker's core, and PEs that hand the core to each other look
 * cache-hot to the load balancer); the one that waits should then yield
 * the core rather than spin on it. Reads are relaxed: a stale answer costs
 * one spin some speed, nothing else.
 */
bool sharesCore();

/**
 * Moves this PE (its calling thread) to a CPU of its affinity mask on which
 * no awake PE of its host last waited, keeping the mask; false if there is none.
 */
bool moveToFreeCore();

/**
 * After a send to `dest`, and again when a send MPI did not complete at
 * once completes (it may have written the message only then): wakes
 * `dest` if it is idle on this host.
 */
void wakeIfIdle(int dest);

/**
 * Sleeps until a message is waiting on `world` (true), or a sender on this
 * host woke this PE, or `maxMicros` have passed (false).
 */
bool idleWait(MPI_Comm world, double maxMicros);

}  // namespace charmts
