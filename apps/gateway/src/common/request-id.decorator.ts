import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** The id the request logger assigned to this request (from X-Request-Id or freshly minted). */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string | null => {
  const id = ctx.switchToHttp().getRequest<{ id?: string | number }>().id;
  return id === undefined ? null : String(id);
});
