import { Injectable } from '@nestjs/common';
import type { ProviderAdapter, ProviderType } from '../domain/upstream';
import { AnthropicAdapter } from '../providers/anthropic.adapter';
import { AzureOpenAiAdapter } from '../providers/azure-openai.adapter';
import { LocalAdapter } from '../providers/local/local.adapter';
import { OpenAiAdapter } from '../providers/openai.adapter';
import { UpstreamHttpRepository } from '../repositories/upstream-http.repository';

/** The adapter of each provider type (all outbound HTTP goes through UpstreamHttpRepository). */
@Injectable()
export class ProviderAdapters {
  private readonly byType: Readonly<Record<ProviderType, ProviderAdapter>>;

  constructor(http: UpstreamHttpRepository) {
    this.byType = {
      openai: new OpenAiAdapter(http),
      'azure-openai': new AzureOpenAiAdapter(http),
      anthropic: new AnthropicAdapter(http),
      local: new LocalAdapter(),
    };
  }

  for(type: ProviderType): ProviderAdapter {
    return this.byType[type];
  }
}
