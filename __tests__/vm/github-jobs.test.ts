// Which listed job is this one (findJob) and which of its steps count as failed (failedSteps): the post step's
// keep_on_failure reads them from GitHub's list of a run attempt's jobs.
import { describe, expect, test } from 'vitest';
import { failedSteps, findJob, pendingSteps } from '../../src/vm/github-runs.js';

const me = { runId: '1', attempt: '2', runnerName: 'ci-runner', jobKey: 'test' };

describe('findJob', () => {
  test('the job in progress on this runner, whatever its display name', () => {
    const jobs = [
      { id: 1, name: 'Build and test', status: 'in_progress', runner_name: 'ci-runner' },
      { id: 2, name: 'Build and test', status: 'completed', runner_name: 'ci-runner' },
      { id: 3, name: 'Lint', status: 'in_progress', runner_name: 'other' },
    ];
    expect(findJob(jobs, me)).toMatchObject({ id: 1 });
  });

  test('two jobs in progress on runners of the same name: GITHUB_JOB (the display name, or its matrix prefix) breaks the tie', () => {
    const jobs = [
      { id: 1, name: 'lint', status: 'in_progress', runner_name: 'ci-runner' },
      { id: 2, name: 'test (ubuntu, 20)', status: 'in_progress', runner_name: 'ci-runner' },
    ];
    expect(findJob(jobs, me)).toMatchObject({ id: 2 });
    expect(findJob(jobs, { ...me, jobKey: undefined })).toBe('2 jobs of attempt 2 are in progress on runner "ci-runner": cannot tell which is this one');
  });

  test('none: says so', () => {
    expect(findJob([{ id: 1, name: 'test', status: 'queued', runner_name: null }], me)).toBe('no job of attempt 2 is in progress on runner "ci-runner" (of 1 listed)');
  });
});

describe('failedSteps', () => {
  test('failed, cancelled and timed-out steps before the post steps, in order; post steps and skipped ones do not count', () => {
    const steps = [
      { name: 'Complete job', number: 9, status: 'queued', conclusion: null },
      { name: 'Set up job', number: 1, status: 'completed', conclusion: 'success' },
      { name: 'Run a', number: 2, status: 'completed', conclusion: 'failure' },
      { name: 'Run b', number: 3, status: 'completed', conclusion: 'skipped' },
      { name: 'Run c', number: 4, status: 'completed', conclusion: 'cancelled' },
      { name: 'Run d', number: 5, status: 'completed', conclusion: 'timed_out' },
      { name: 'Post Run e', number: 6, status: 'completed', conclusion: 'failure' },
      { name: 'Post Run ./', number: 7, status: 'in_progress', conclusion: null },
      { name: 'Post Run f', number: 8, status: 'queued', conclusion: null },
    ];
    expect(failedSteps(steps)).toEqual(['Run a (failure)', 'Run c (cancelled)', 'Run d (timed_out)']);
    expect(pendingSteps(steps)).toEqual([]);
    expect(pendingSteps([...steps, { name: 'Run g', number: 5.5, status: 'in_progress', conclusion: null }])).toEqual(['Run g']);
    expect(failedSteps(steps.filter((s) => s.conclusion !== 'failure' && s.conclusion !== 'cancelled' && s.conclusion !== 'timed_out'))).toEqual([]);
  });
});
