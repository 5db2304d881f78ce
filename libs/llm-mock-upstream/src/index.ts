/** A loopback server speaking OpenAI, Azure OpenAI and Anthropic, with fault injection (see README). */
export { MockLlmUpstream } from './mock-llm-upstream';
export type {
  MockFault,
  MockFaultOptions,
  MockLlmUpstreamOptions,
  MockProvider,
  MockReplyContext,
  MockRequestRecord,
} from './types';
export { deterministicEmbedding } from './embeddings';
