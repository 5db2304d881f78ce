export { ApiClient, CliError } from './api-client';
