// Apply, the step after the optimize flow that its caller takes (the command line's --apply, the panel's Apply): the
// plan that makes the function call one proven target's rewrite, from the apply stage of the target's language.
import type { ApplyPlan } from '../apply/apply';
import { languageEntry, type ApplyStepInput } from '../languages';
import { TARGET_NAMES, type TargetId } from '../protocol';
import { targetEntry } from '../targets';
import type { OptimizeOutcome } from './optimize';
import { speedupText } from './report';

/** What the plan of one target needs: the file, the text the candidate was compiled from, and the target's result. */
export type ApplyStep = ApplyStepInput;

/** The plan of the target's rewrite (written by the caller: files on the command line, one workspace edit in the editor). */
export async function planApplyStep(s: ApplyStep): Promise<ApplyPlan> {
  return languageEntry(targetEntry(s.candidate.target).language).planApply(s);
}

type Done = Extract<OptimizeOutcome, { kind: 'done' }>;

/** Whether Apply goes ahead for a target, and why not: the rule the command line's --apply and the editor's Apply share. */
export type ApplyDecision = { ok: true; note?: string } | { ok: false; reason: string; overridable: boolean };

/**
 * The program must not change and must get faster: a target is applied when it is proven and the whole program ran
 * significantly faster with it (bench/whole-program.ts). When the whole program could not be measured, the
 * function-level benchmark decides, and the note says so. Anything else is refused with the reason; `overridable`
 * says whether "Apply anyway" (--force) may still apply it (never for an unproven target).
 */
export function applyDecision(outcome: Done, target: TargetId): ApplyDecision {
  const r = outcome.targets.find((t) => t.target === target);
  const name = TARGET_NAMES[target].name;
  if (!r?.proof?.ok) return { ok: false, reason: `the ${name} version is not proven equal to the original`, overridable: false };
  const w = outcome.wholePrograms?.find((x) => x.target === target) ?? (outcome.wholeProgram?.target === target ? outcome.wholeProgram : undefined);
  if (w?.measured) {
    if (w.changed) return { ok: false, reason: w.changed, overridable: true };
    const interval = speedupText(w.speedup);
    if (w.verdict === 'faster') return { ok: true };
    return {
      ok: false,
      reason:
        w.verdict === 'slower'
          ? `the program as a whole runs slower with the ${name} version: ${interval}`
          : `the program as a whole is not measurably faster with the ${name} version: ${interval}`,
      overridable: true,
    };
  }
  const why = w ? `the whole program was not measured: ${w.reason}` : 'the whole program was not measured';
  if (r.measured?.verdict === 'faster') return { ok: true, note: `${why}; the function-level benchmark measured it faster` };
  return { ok: false, reason: `the function-level benchmark did not measure the ${name} version faster, and ${why}`, overridable: true };
}
