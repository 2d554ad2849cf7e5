import { IsOptional, IsString, Length } from 'class-validator';

export class PreviewQueryDto {
  /**
   * Layer to preview (default: the first). Must be one of the file's layers; names starting with `-` are refused.
   * @example "parcels"
   */
  @IsOptional()
  @IsString()
  @Length(1, 255)
  layer_name?: string;
}
