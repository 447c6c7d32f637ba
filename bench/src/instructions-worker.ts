/**
 * One client on one workload, run under callgrind by `bench/src/instructions.ts`, which drives it over stdin and
 * stdout: the worker warms up, prints `warm` and waits for a line; the driver dumps (and so resets) callgrind's
 * counters and answers; for each measured window the worker makes the calls, prints `measured` and waits again
 * while the driver dumps the counters. The job (client, workload, counts, and the bench database's connection context) comes in the
 * BENCH_INSTRUCTIONS_JOB environment variable, never on the command line (it holds the password).
 */
import type { ClientContext, ClientId } from './client.ts'
import { createClient } from './clients/create-client.ts'
import { runMeasuredCalls } from './instructions-protocol.ts'
import { createWorkloads, type WorkloadId, type WorkloadInputs } from './workloads.ts'

/** What the driver asks of one worker. */
export interface InstructionsJob {
  readonly client: ClientId
  readonly workload: WorkloadId
  readonly warmupCalls: number
  /** Calls per measured window. */
  readonly calls: number
  /** Measured windows, one after another: the figures of the later ones show whether V8 had finished optimising. */
  readonly windows: number
  readonly concurrency: number
  readonly context: ClientContext
  readonly inputs: WorkloadInputs
}

const job = JSON.parse(process.env.BENCH_INSTRUCTIONS_JOB ?? 'null') as InstructionsJob | null
if (job === null)
  throw new Error('instructions-worker: BENCH_INSTRUCTIONS_JOB is not set (run bench/src/instructions.ts)')
const inputs: WorkloadInputs = {
  ...job.inputs,
  deepCursor: { ...job.inputs.deepCursor, createdAt: new Date(job.inputs.deepCursor.createdAt) },
}
const workload = createWorkloads(inputs).find((candidate) => candidate.id === job.workload)
if (workload === undefined) throw new Error(`instructions-worker: no workload ${job.workload}`)
const client = await createClient(job.client, job.context)
await runMeasuredCalls(
  (i) => workload.call(client, i),
  job,
  () => client.close(),
)
process.exit(0)
