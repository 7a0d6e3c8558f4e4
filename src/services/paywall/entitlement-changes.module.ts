import { Module } from '@nestjs/common';
import { EntitlementCache } from './entitlement-cache';
import { EntitlementChanges } from './entitlement-changes';
import { HotVideos } from './hot-videos';

/** The api's cached entitlement facts, and the announcements that drop them on every instance. */
@Module({
  providers: [HotVideos, EntitlementCache, EntitlementChanges],
  exports: [HotVideos, EntitlementCache, EntitlementChanges],
})
export class EntitlementChangesModule {}
