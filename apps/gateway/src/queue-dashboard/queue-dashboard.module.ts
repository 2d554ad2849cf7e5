import { Module } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { ALL_QUEUES } from '@app/queues';
import { SecurityModule } from '@app/security';
import { QUEUE_DASHBOARD_PATH, QueueDashboardAuth } from './queue-dashboard.auth.js';

@Module({ imports: [SecurityModule], providers: [QueueDashboardAuth], exports: [QueueDashboardAuth] })
class QueueDashboardAuthModule {}

/**
 * bull-board at `/admin/queues`, showing every queue of `QueueName`, for admin tokens only. Read-only: a
 * job's state lives in PostgreSQL, and retrying, removing or promoting BullMQ entries behind the domain's
 * back would not change it; `POST /api/jobs/{id}/retry` and `/cancel` are the ways to act on a job.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [QueueDashboardAuthModule],
      inject: [QueueDashboardAuth],
      useFactory: (auth: QueueDashboardAuth) => ({
        route: QUEUE_DASHBOARD_PATH,
        adapter: ExpressAdapter,
        boardOptions: {
          uiConfig: {
            boardTitle: 'Strata queues',
            hideDocsLink: true,
            miscLinks: [{ text: 'Sign out', url: `${QUEUE_DASHBOARD_PATH}/logout` }],
          },
        },
        middleware: auth.middleware,
      }),
    }),
    BullBoardModule.forFeature(
      ...ALL_QUEUES.map((name) => ({ name, adapter: BullMQAdapter, options: { readOnlyMode: true } })),
    ),
  ],
})
export class QueueDashboardModule {}
