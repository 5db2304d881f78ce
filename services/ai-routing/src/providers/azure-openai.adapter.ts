import type { UpstreamTarget } from '../domain/upstream';
import { OpenAiCompatibleAdapter, trimBaseUrl } from './openai.adapter';

/** Used when a target has no `apiVersion` (a GA version that supports `stream_options`). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/**
 * Azure OpenAI: `POST ${baseUrl}/openai/deployments/${target.model}/chat/completions?api-version=…`
 * (and `/embeddings`), credential in the `api-key` header (a `target.headers` Authorization works
 * for Entra ID tokens when no key is set). Same bodies as OpenAI; Azure's leading
 * prompt-filter stream chunk (no choices, no usage) is skipped.
 */
export class AzureOpenAiAdapter extends OpenAiCompatibleAdapter {
  readonly type = 'azure-openai' as const;

  protected endpoint(target: UpstreamTarget, operation: 'chat/completions' | 'embeddings'): string {
    const version = encodeURIComponent(target.apiVersion || DEFAULT_AZURE_API_VERSION);
    return `${trimBaseUrl(target.baseUrl)}/openai/deployments/${encodeURIComponent(target.model)}/${operation}?api-version=${version}`;
  }

  protected authHeaders(target: UpstreamTarget): Record<string, string> {
    return target.apiKey ? { 'api-key': target.apiKey } : {};
  }
}
