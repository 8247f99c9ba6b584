import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public } from '../../../common/decorators/public.decorator';
import { Roles } from '../../../common/decorators/roles.decorator';
import { routeAccess } from './route-access';

/** A handler as Nest hands it to a guard: the method, and the controller it was routed on. */
const contextOf = (controller: new () => object, method: string) =>
  ({
    getHandler: () => (controller.prototype as Record<string, unknown>)[method],
    getClass: () => controller,
  }) as unknown as ExecutionContext;

describe('routeAccess', () => {
  const reflector = new Reflector();

  it("reads the handler's decorators over its controller's", () => {
    @Roles('admin')
    class Admin {
      list() {}
      @Public()
      open() {}
    }
    expect(routeAccess(reflector, contextOf(Admin, 'list'))).toEqual({
      ownBearer: false,
      isPublic: false,
      roles: ['admin'],
    });
    expect(routeAccess(reflector, contextOf(Admin, 'open')).isPublic).toBe(true);
  });

  it('keeps apart two controllers that share one inherited handler', () => {
    class Base {
      list() {}
    }
    @Roles('admin')
    class ForAdmins extends Base {}
    @Roles('merchant')
    class ForMerchants extends Base {}
    // The same function object is the handler of both routes.
    expect(ForAdmins.prototype.list).toBe(ForMerchants.prototype.list);
    expect(routeAccess(reflector, contextOf(ForAdmins, 'list')).roles).toEqual(['admin']);
    expect(routeAccess(reflector, contextOf(ForMerchants, 'list')).roles).toEqual(['merchant']);
  });
});
