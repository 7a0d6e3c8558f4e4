import { Module } from '@nestjs/common';
import { HealthService } from './health.service';
import { MaintenanceService } from './maintenance.service';
import { TranscodeService } from './transcode.service';
import { UploadsService } from './uploads.service';
import { VideosService } from './videos.service';

/** Use cases; their ports come from the global InfraModule. */
@Module({
  providers: [UploadsService, VideosService, MaintenanceService, HealthService, TranscodeService],
  exports: [UploadsService, VideosService, MaintenanceService, HealthService, TranscodeService],
})
export class ServicesModule {}
