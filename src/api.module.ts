import { Module, type DynamicModule } from '@nestjs/common';
import { AdaptersModule } from './adapters/adapters.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { HttpModule } from './http/http.module';

/** The api's composition root: config, infrastructure (producer side only) and HTTP. No processors. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), AdaptersModule.forRoot(config), HttpModule],
    };
  }
}
