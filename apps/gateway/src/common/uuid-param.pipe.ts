import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestValidationException, UUID_PATTERN } from '@app/common';

/** Path ids are UUIDs; anything else is a 400 validation problem pointing at the parameter. */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (!UUID_PATTERN.test(value)) {
      throw new RequestValidationException([
        { loc: ['path', metadata.data ?? 'id'], msg: `${metadata.data ?? 'id'} must be a UUID`, type: 'isUuid' },
      ]);
    }
    return value.toLowerCase();
  }
}
