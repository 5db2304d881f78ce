export { authService } from './auth.service';
export { authConfigSchema, type AuthConfig } from './config';
