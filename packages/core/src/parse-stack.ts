import type { StackFrame } from './types.js';

// V8: "    at fn (file:line:col)", "    at file:line:col", "    at async fn (...)", "    at new Foo (...)".
const V8_FRAME = /^\s*at (?:(?:async |new )?([^\s(][^(]*?) \()?(.+?)(?::(\d+))?(?::(\d+))?\)?\s*$/;
const PYTHON_FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/;
// Java 9+ frames may carry a prefix, `at loader/module@version/class.method(File.java:1)`, the loader and
// the module each optional
// (`app//com.shop.Cart.total`, `java.base/java.util.HashMap.get`); neither holds a `$`, so a lambda's
// class (`Cart$$Lambda$14/0x0000000800c0b440`, JDK 8's `…$$Lambda$1/1234567`) is read as the class.
// Logback's packaging data may follow (`~[spring-webmvc-6.1.2.jar:6.1.2]`, on in Spring Boot): its jar
// and version are no part of the frame, or an upgrade would split every issue.
const JAVA_FRAME =
  /^\s*at (?:(?:[\w.-]+\/)?(?:[\w.-]+(?:@[\w.-]+)?)?\/)?([\w$.<>]+(?:\/(?:0x[0-9a-fA-F]+|\d+))?)\.([\w$<>]+)\(((?:[\w$-]+\.(?:java|kt|scala|groovy|clj))|Native Method|Unknown Source)(?::(\d+))?\)\s*(?:~?\[[^\]\n]{0,200}\]\s*)?$/;

// Packages of the JVM's runtime and of common libraries (drivers, pools, ORMs, web and RPC frameworks,
// serializers, loggers): not the application's code, so their frames key an issue only when no frame is.
const JAVA_LIBRARY_PACKAGES = `java javax jakarta jdk sun com.sun kotlin kotlinx scala groovy clojure
  org.springframework org.apache org.hibernate org.postgresql org.mariadb org.h2 org.jooq org.flywaydb
  org.liquibase liquibase org.eclipse org.glassfish org.jboss org.slf4j ch.qos org.junit org.mockito
  org.reactivestreams reactor io.reactivex io.netty io.grpc io.micrometer io.opentelemetry io.micronaut
  io.quarkus io.vertx io.undertow io.lettuce io.github.resilience4j com.zaxxer com.mysql
  com.microsoft.sqlserver oracle.jdbc com.fasterxml com.google com.amazonaws software.amazon com.mongodb
  org.mongodb redis.clients okhttp3 okio retrofit2 feign net.bytebuddy org.aspectj com.github.benmanes
  com.datastax org.elasticsearch co.elastic org.quartz com.rabbitmq org.thymeleaf freemarker android androidx
  dalvik libcore com.android`.split(/\s+/);
const JAVA_LIBRARY = new RegExp(
  `^(?:${JAVA_LIBRARY_PACKAGES.map((name) => name.replaceAll('.', '\\.')).join('|')})\\.`,
);
// The standard library and installed packages, wherever the interpreter lives: /usr/lib/python3.12, a
// venv, and on Windows the `Lib` of an install (C:\Python311, …\Programs\Python\Python312, miniconda3
// and its envs\NAME, miniforge3, pyenv-win's versions\3.11.0, uv's cpython-3.12.7-…, a CI runner's
// hostedtoolcache\…\Python\3.12.7\x64, the Microsoft Store's PythonSoftwareFoundation.Python.3.12_…),
// not any folder named lib under one named python or versions (an application's own).
const PYTHON_LIBRARY =
  /site-packages|dist-packages|\/lib\/python|\\(?:python\d+|(?:mini|ana)conda\d*|(?:mini|mamba)forge\d*|envs\\[^\\]+|pyenv-win\\versions\\\d[\d.]*|cpython-[^\\]+|Python\\\d[\d.]*\\x(?:64|86)|PythonSoftwareFoundation\.Python[^\\]*)\\Lib\\/i;
// V8 names a promise combinator's element by its index ("at async Promise.all (index 3)"): not a file.
const COMBINATOR_INDEX = /^index \d+$/;

/** True for the application's own code: not dependencies and not the runtime's internals. */
export function isInAppFile(file: string | undefined): boolean {
  if (!file) return false;
  return !(
    file.includes('node_modules') ||
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file === 'native' ||
    file.startsWith('<')
  );
}

/** True for a JVM class (`java.util.HashMap`) of the runtime or of a common library. */
export function isJavaLibrary(className: string): boolean {
  return JAVA_LIBRARY.test(className);
}

/** True for a Python file of the standard library or of an installed package. */
export function isPythonLibrary(path: string): boolean {
  return PYTHON_LIBRARY.test(path);
}

/** Parses one stack line (V8, Python or Java); `undefined` when it is not a frame. */
export function parseStackLine(line: string): StackFrame | undefined {
  const java = JAVA_FRAME.exec(line);
  if (java) {
    const [, owner, method, file, lineNo] = java;
    return {
      function: `${owner}.${method}`,
      file,
      line: lineNo ? Number(lineNo) : undefined,
      inApp: !isJavaLibrary(owner ?? ''),
    };
  }
  const python = PYTHON_FRAME.exec(line);
  if (python) {
    const [, file, lineNo, fn] = python;
    return {
      function: fn,
      file,
      line: Number(lineNo),
      inApp: !isPythonLibrary(file!),
    };
  }
  if (!/^\s*at /.test(line)) return undefined;
  // Node prints " {" after the last frame when the error has extra properties (e.g. a cause).
  const v8 = V8_FRAME.exec(line.replace(/\s*\{\s*$/, ''));
  if (!v8) return undefined;
  const [, fn, rawFile, lineNo, column] = v8;
  const file = rawFile?.replace(/^file:\/\//, '');
  if (file && COMBINATOR_INDEX.test(file)) return { function: fn, inApp: false };
  return {
    function: fn && fn !== '<anonymous>' ? fn : undefined,
    file,
    line: lineNo ? Number(lineNo) : undefined,
    column: column ? Number(column) : undefined,
    inApp: isInAppFile(file),
  };
}

/** Parses every frame line of a stack trace, innermost first; other lines are skipped. */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (!stack) return [];
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const frame = parseStackLine(line);
    if (frame) frames.push(frame);
  }
  return frames;
}

/** The innermost frame of the application's own code, else the innermost frame (frames innermost first). */
export function culpritFrame(frames: readonly StackFrame[] | undefined): StackFrame | undefined {
  return frames?.find((frame) => frame.inApp) ?? frames?.[0];
}
