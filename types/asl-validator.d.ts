// asl-validator ships no types; this is the part of its API the project uses.
declare module 'asl-validator' {
  interface ValidationResult {
    isValid: boolean;
    errors: { 'Error code': string; Message: string }[];
    errorsText(separator?: string): string;
  }
  export default function validator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): ValidationResult;
}
