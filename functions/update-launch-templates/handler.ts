/** Step "Update launch templates in an opted-in account": a new version, launching the family's new image, of each launch template configured for the account. */
import type { Context } from 'aws-lambda';
import { parseLaunchTemplatesInput, updateLaunchTemplates, type LaunchTemplatesOutcome } from '../../services/launch-templates';
import { executionOf, invoke, startRuntime } from '../common/runtime';
import { MemberSessions } from '../../adapters/sts';

const rt = startRuntime('update-launch-templates', MemberSessions);

export const handler = async (payload: unknown, context?: Context): Promise<LaunchTemplatesOutcome> =>
  invoke(rt, context, { execution: executionOf(payload) }, async () => {
    const input = parseLaunchTemplatesInput(payload, rt.config);
    rt.logger.appendKeys({ account: input.account, region: input.region, imageId: input.imageId });
    const outcome = await updateLaunchTemplates(input, rt.config, rt.aws);
    rt.logger.info('Launch templates step done', { outcome: outcome.outcome, templates: outcome.templates.map((t) => `${t.launchTemplateId}:${t.outcome}`) });
    return outcome;
  });
