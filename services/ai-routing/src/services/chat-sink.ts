/** What the caller is told about the route of a call. */
export interface RoutingInfo {
  route: string;
  deployment: string;
  cache: 'hit' | 'miss' | 'bypass';
  upstreamModel: string;
}

/** Usage and cost of a finished call. */
export interface CallUsageInfo {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  costUsd: number;
}

/**
 * Where a chat completion's output goes (the gRPC stream). `chunk` resolves when the transport has
 * room again (backpressure): a slow client slows the upstream read instead of filling memory.
 */
export interface ChatSink {
  /** Non-streaming: the whole answer in one message. */
  complete(info: RoutingInfo, body: string, usage: CallUsageInfo): void;
  start(info: RoutingInfo): void;
  chunk(json: string): Promise<void>;
  end(usage: CallUsageInfo): void;
}
