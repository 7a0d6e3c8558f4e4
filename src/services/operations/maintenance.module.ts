import { Module } from '@nestjs/common';
import { UnfinishedUploadsModule } from '../uploads/unfinished-uploads.module';
import { MaintenanceService } from './maintenance.service';

/** Worker side: the scheduled sweeps and the delayed deletion of replaced versions. */
@Module({ imports: [UnfinishedUploadsModule], providers: [MaintenanceService], exports: [MaintenanceService] })
export class MaintenanceModule {}
