// Apply, the step after the optimize flow that its caller takes (the command line's --apply, the panel's Apply): the
// plan that makes the function call one proven target's rewrite, from the JavaScript or the Python apply stage.
import type { ApplyPlan } from '../apply/apply';
import type { JsCandidate } from '../compiler/compile';
import type { PythonCandidate } from '../compiler/compile-python';
import type { Proof } from '../prove/prove';
import type { PythonProof } from '../prove/prove-python';
import { targetEntry } from '../targets';
import type { AnyCandidate, AnyProof } from './optimize';

/** What the plan of one target needs: the file, the text the candidate was compiled from, and the target's result. */
export interface ApplyStep {
  file: string;
  source: string;
  functionName: string;
  candidate: AnyCandidate;
  proof: AnyProof;
  /** The interpreter that parses a .py file (Python's apply). */
  python?: string;
}

/** The plan of the target's rewrite (written by the caller: files on the command line, one workspace edit in the editor). */
export async function planApplyStep(s: ApplyStep): Promise<ApplyPlan> {
  const common = { file: s.file, source: s.source, functionName: s.functionName };
  if (targetEntry(s.candidate.target).language === 'python') {
    const { planApplyPython } = await import('../apply/apply-python');
    return planApplyPython({ ...common, candidate: s.candidate as PythonCandidate, proof: s.proof as PythonProof, python: s.python ?? 'python3' });
  }
  const { planApply } = await import('../apply/apply');
  return planApply({ ...common, candidate: s.candidate as JsCandidate, proof: s.proof as Proof });
}
