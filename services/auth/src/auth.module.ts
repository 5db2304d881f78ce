import { Module } from '@nestjs/common';
import { AuthGrpcHandler } from './grpc/auth.grpc-handler';

@Module({
  providers: [AuthGrpcHandler],
})
export class AuthModule {}
