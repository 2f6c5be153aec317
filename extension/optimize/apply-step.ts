// Apply, the step after the optimize flow that its caller takes (the command line's --apply, the panel's Apply): the
// plan that makes the function call one proven target's rewrite, from the apply stage of the target's language.
import type { ApplyPlan } from '../apply/apply';
import { languageEntry, type ApplyStepInput } from '../languages';
import { targetEntry } from '../targets';

/** What the plan of one target needs: the file, the text the candidate was compiled from, and the target's result. */
export type ApplyStep = ApplyStepInput;

/** The plan of the target's rewrite (written by the caller: files on the command line, one workspace edit in the editor). */
export async function planApplyStep(s: ApplyStep): Promise<ApplyPlan> {
  return languageEntry(targetEntry(s.candidate.target).language).planApply(s);
}
