// hub-args.ts — the hub_* fields of TrainingArguments (transformers training_args.py): the checks
// HF leaves to create_repo / upload_folder made at construction, naming the field, and
// set_push_to_hub's settings.
import { isValidRepoId } from '../hub/index.js';
import type { HubStrategy } from './args-fields.js';

/** What HF's to_dict writes in place of hub_token (and what reads back as "no token"). */
export const HUB_TOKEN_MASK = '<HUB_TOKEN>';

/** set_push_to_hub's options (HF names). */
export interface PushToHubSettings {
  strategy?: HubStrategy;
  token?: string | null;
  private_repo?: boolean | null;
  always_push?: boolean;
  revision?: string | null;
}

/** The hub_* field values set_push_to_hub assigns. */
export function hubSettings(modelId: string, o: PushToHubSettings): Record<string, unknown> {
  return {
    push_to_hub: true, hub_model_id: modelId, hub_strategy: o.strategy ?? 'every_save', hub_token: o.token ?? null,
    hub_private_repo: o.private_repo ?? null, hub_always_push: o.always_push ?? false, hub_revision: o.revision ?? null,
  };
}

/** A repo id the Hub accepts, a non-empty token and branch. */
export function checkHubFields(a: { hub_model_id?: unknown; hub_token?: unknown; hub_revision?: unknown }): void {
  const id = a.hub_model_id;
  if (typeof id === 'string' && !isValidRepoId(id))
    throw new RangeError(`TrainingArguments: hub_model_id '${id}' is not a valid Hub repo id (namespace/name or name: letters, digits, '-', '_', '.', ` +
      "at most 96 each, no '--' or '..', not starting or ending with '-' or '.')");
  if (a.hub_token === '') throw new RangeError('TrainingArguments: hub_token is empty; pass a write token (hf_...) or leave it null to use HF_TOKEN');
  if (a.hub_revision === '') throw new RangeError("TrainingArguments: hub_revision is empty; give a branch name or leave it null for 'main'");
}
