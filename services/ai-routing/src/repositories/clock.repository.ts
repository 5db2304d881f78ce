import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';

/** The wall clock and id generation, injected so use cases can be tested at fixed times. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }

  /** Time-ordered uuid (v7) for new rows. */
  newId(): string {
    return uuidv7();
  }
}
