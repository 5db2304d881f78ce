import { Injectable } from '@nestjs/common';

/** The wall clock, injected so use cases can be tested at fixed times. */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }
}
