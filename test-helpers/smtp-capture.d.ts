import { type ParsedMail } from 'mailparser';
export interface SmtpCapture {
  /** `smtp://127.0.0.1:PORT` */
  url: string;
  messages: ParsedMail[];
  /** Resolves with the n-th message (1-based) once it has arrived. */
  waitForMessages(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}
export interface SmtpCaptureOptions {
  /** Answer every message with this SMTP error instead of accepting it. */
  rejectWith?: {
    code: number;
    message: string;
  };
}
/** A real SMTP server on loopback (smtp-server) that keeps what it receives, parsed with mailparser. */
export declare function startSmtpCapture({ rejectWith }?: SmtpCaptureOptions): Promise<SmtpCapture>;
//# sourceMappingURL=smtp-capture.d.ts.map
