import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class DiagnosticsRequestDto {
  /**
   * Checkpointed steps the worker runs; each one reports progress and honours cancellation.
   * @example 3
   */
  @IsOptional()
  @Max(100)
  @Min(1)
  @IsInt()
  steps?: number;

  /**
   * Milliseconds each step takes.
   * @example 200
   */
  @IsOptional()
  @Max(60000)
  @Min(0)
  @IsInt()
  step_ms?: number;

  /**
   * Inject a failure to check retry handling: `transient` fails every attempt but the last, `permanent`
   * fails at once without retrying.
   * @example "transient"
   */
  @IsOptional()
  @IsIn(['transient', 'permanent'])
  fail_with?: 'transient' | 'permanent';
}
