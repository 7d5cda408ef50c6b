/**
 * `npm run lint:asl`: validates every deployed state machine with asl-validator, exactly as it
 * loads for local runs (each `Fn::GetAtt` of a function resolved to a Lambda ARN).
 */
import validator from 'asl-validator';
import { loadDefinition } from '../local/state-machine';
import { WORKFLOWS } from '../local/workflows';

let failed = false;
for (const spec of Object.values(WORKFLOWS)) {
  const { definition } = loadDefinition(spec.name);
  const result = validator(definition as never, { checkPaths: true, checkArn: true });
  if (result.isValid) console.log(`ok    ${spec.definition}`);
  else {
    failed = true;
    console.error(`FAIL  ${spec.definition}\n${result.errorsText('\n')}`);
  }
}
process.exit(failed ? 1 : 0);
