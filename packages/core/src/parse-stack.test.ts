import { describe, expect, it } from 'vitest';
import { culpritFrame, isJavaLibrary, isPythonLibrary, parseStack, parseStackLine } from './parse-stack.js';

describe('parseStackLine', () => {
  it('should parse V8 frames with and without a function name', () => {
    expect(parseStackLine('    at Object.handler (/app/src/api.ts:12:7)')).toEqual({
      function: 'Object.handler',
      file: '/app/src/api.ts',
      line: 12,
      column: 7,
      inApp: true,
    });
    expect(parseStackLine('    at /app/src/index.js:3:1')).toMatchObject({
      function: undefined,
      file: '/app/src/index.js',
      line: 3,
    });
    expect(parseStackLine('    at async Promise.all (index 0)')).toEqual({
      function: 'Promise.all',
      inApp: false,
    });
    expect(parseStackLine('    at new Pool (file:///app/node_modules/pg-pool/index.js:45:11)')).toMatchObject(
      {
        function: 'Pool',
        file: '/app/node_modules/pg-pool/index.js',
        inApp: false,
      },
    );
  });

  it('should mark runtime internals as not in-app', () => {
    expect(
      parseStackLine('    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)')
        ?.inApp,
    ).toBe(false);
  });

  it('should parse Python and Java frames', () => {
    expect(parseStackLine('  File "/srv/app/views.py", line 42, in checkout')).toEqual({
      function: 'checkout',
      file: '/srv/app/views.py',
      line: 42,
      inApp: true,
    });
    expect(parseStackLine('\tat com.shop.OrderService.place(OrderService.java:88)')).toEqual({
      function: 'com.shop.OrderService.place',
      file: 'OrderService.java',
      line: 88,
      inApp: true,
    });
    expect(parseStackLine('\tat java.base/java.net.Socket.connect(Socket.java:633)')).toMatchObject({
      function: 'java.net.Socket.connect',
      inApp: false,
    });
    // Windows installs: the standard library under PythonNNN\Lib.
    expect(
      parseStackLine('  File "C:\\Python311\\Lib\\json\\decoder.py", line 355, in raw_decode')?.inApp,
    ).toBe(false);
    expect(
      parseStackLine(
        '  File "C:\\Users\\ana\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\socket.py", line 829, in create_connection',
      )?.inApp,
    ).toBe(false);
    expect(parseStackLine('  File "C:\\shop\\app\\views.py", line 42, in checkout')?.inApp).toBe(true);
    for (const root of [
      'C:\\Users\\ana\\miniconda3',
      'C:\\Users\\ana\\.pyenv\\pyenv-win\\versions\\3.11.0',
      'C:\\Program Files\\WindowsApps\\PythonSoftwareFoundation.Python.3.12_3.12.2032.0_x64__qbz5n2kfra8p0',
    ])
      expect(isPythonLibrary(`${root}\\Lib\\json\\decoder.py`)).toBe(true);
    for (const root of [
      'C:\\Users\\me\\miniconda3\\envs\\shop',
      'C:\\Users\\me\\miniforge3',
      'C:\\Users\\me\\AppData\\Roaming\\uv\\python\\cpython-3.12.7-windows-x86_64-none',
      'C:\\hostedtoolcache\\windows\\Python\\3.12.7\\x64',
    ])
      expect(isPythonLibrary(`${root}\\Lib\\asyncio\\base_events.py`), root).toBe(true);
    expect(isPythonLibrary('D:\\work\\shop\\versions\\2\\Lib\\orders.py')).toBe(false);
    // An application's own folder named lib, under one named python.
    expect(isPythonLibrary('D:\\src\\python\\lib\\billing.py')).toBe(false);
    // A class loader's name before the module (`app//`: named loader, no module), and a version.
    expect(parseStackLine('\tat app//com.shop.OrderService.place(OrderService.java:88)')).toEqual({
      function: 'com.shop.OrderService.place',
      file: 'OrderService.java',
      line: 88,
      inApp: true,
    });
    expect(parseStackLine('\tat com.shop.loader/shop@2.1/com.shop.Main.run(Main.java:9)')).toMatchObject({
      function: 'com.shop.Main.run',
    });
    // A lambda's class holds a '/': it was read as a module, and its number as the class.
    expect(parseStackLine('\tat com.shop.Cart$$Lambda$14/0x0000000800c0b440.accept(Unknown Source)')).toEqual(
      {
        function: 'com.shop.Cart$$Lambda$14/0x0000000800c0b440.accept',
        file: 'Unknown Source',
        line: undefined,
        inApp: true,
      },
    );
    // Logback's packaging data (Spring Boot's default): the jar and its version are not the frame's.
    expect(
      parseStackLine(
        '\tat org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:1089) ~[spring-webmvc-6.1.2.jar:6.1.2]',
      ),
    ).toEqual({
      function: 'org.springframework.web.servlet.DispatcherServlet.doDispatch',
      file: 'DispatcherServlet.java',
      line: 1089,
      inApp: false,
    });
    expect(
      parseStackLine('\tat com.shop.OrderService.place(OrderService.java:88) [classes/:na] '),
    ).toMatchObject({
      function: 'com.shop.OrderService.place',
      inApp: true,
    });
    expect(parseStackLine('\tat com.shop.Cart$$Lambda$1/1234567.accept(Unknown Source)')).toMatchObject({
      function: 'com.shop.Cart$$Lambda$1/1234567.accept',
    });
  });

  it("should read a promise combinator's element index as no file and no code of the application", () => {
    // V8 prints which element of Promise.all failed where a file would be: keyed, it made one issue per
    // array index.
    for (const combinator of ['Promise.all', 'Promise.allSettled', 'Promise.any']) {
      expect(parseStackLine(`    at async ${combinator} (index 3)`)).toEqual({
        function: combinator,
        inApp: false,
      });
    }
  });

  it("should mark frames of the JVM's common libraries as not in-app", () => {
    for (const frame of [
      '\tat org.postgresql.core.v3.QueryExecutorImpl.execute(QueryExecutorImpl.java:371)',
      '\tat com.zaxxer.hikari.pool.ProxyPreparedStatement.executeQuery(ProxyPreparedStatement.java:52)',
      '\tat org.hibernate.engine.jdbc.spi.SqlExceptionHelper.convert(SqlExceptionHelper.java:113)',
      '\tat kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)',
      '\tat io.netty.channel.nio.NioEventLoop.run(NioEventLoop.java:569)',
      '\tat com.fasterxml.jackson.databind.ObjectMapper.readValue(ObjectMapper.java:3629)',
      '\tat reactor.core.publisher.Mono.block(Mono.java:1710)',
      '\tat okhttp3.internal.connection.RealCall.execute(RealCall.kt:154)',
      '\tat ch.qos.logback.classic.Logger.error(Logger.java:538)',
    ]) {
      expect(parseStackLine(frame)?.inApp, frame).toBe(false);
    }
    // The application's own packages, also one that only starts like a library's (reactorx is not reactor).
    expect(
      parseStackLine('\tat com.acme.billing.InvoiceRepository.find(InvoiceRepository.java:88)')?.inApp,
    ).toBe(true);
    expect(parseStackLine('\tat reactorx.Billing.run(Billing.java:1)')?.inApp).toBe(true);
  });

  it("should mark frames of Android's runtime and libraries as not in-app", () => {
    for (const frame of [
      '\tat android.os.Handler.dispatchMessage(Handler.java:106)',
      '\tat androidx.fragment.app.Fragment.performCreate(Fragment.java:2949)',
      '\tat com.android.internal.os.ZygoteInit.main(ZygoteInit.java:947)',
      '\tat dalvik.system.NativeStart.main(Native Method)',
    ]) {
      expect(parseStackLine(frame)?.inApp, frame).toBe(false);
    }
  });

  it('should be the rules a Sentry frame without in_app is judged by, for a class or a path', () => {
    expect(isJavaLibrary('java.util.HashMap')).toBe(true);
    expect(isJavaLibrary('jdk.internal.reflect.GeneratedMethodAccessor57')).toBe(true);
    expect(isJavaLibrary('com.shop.OrderService')).toBe(false);
    expect(isPythonLibrary('/usr/lib/python3.11/json/decoder.py')).toBe(true);
    expect(isPythonLibrary('/srv/app/.venv/lib/python3.12/site-packages/flask/app.py')).toBe(true);
    expect(isPythonLibrary('/srv/app/app/views.py')).toBe(false);
  });

  it('should return undefined for ordinary lines', () => {
    expect(parseStackLine('INFO request done')).toBeUndefined();
  });

  it('should parse the stack of a real thrown error', () => {
    const frames = parseStack(new Error('x').stack);
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]?.file).toMatch(/parse-stack\.test\.ts$/);
  });
});

describe('culpritFrame', () => {
  it('should pick the innermost in-app frame, else the innermost frame', () => {
    expect(
      culpritFrame([
        { function: 'lib', inApp: false },
        { function: 'app', inApp: true },
      ])?.function,
    ).toBe('app');
    expect(culpritFrame([{ function: 'lib', inApp: false }])?.function).toBe('lib');
    expect(culpritFrame(undefined)).toBeUndefined();
  });
});
