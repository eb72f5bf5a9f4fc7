import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

type VariableValue = string | string[];
type Format = string | ((value: VariableValue) => string) | undefined;

// The variable syntaxes Grafana accepts: $name, [[name]], [[name:format]], ${name}, ${name:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/**
 * A stand-in for Grafana's template service with the same contract for `replace`: scoped variables win
 * over dashboard variables, unknown variables stay as written, a format function receives a multi-value
 * variable as an array, `csv` joins values with commas, and without a format they render as `{a,b}`.
 */
export function fakeTemplateSrv(
  variables: Record<string, VariableValue>
): Pick<TemplateSrv, 'replace' | 'getVariables'> {
  const formatValue = (value: VariableValue, format: Format): string => {
    if (typeof format === 'function') {
      return format(value);
    }
    if (!Array.isArray(value)) {
      return value;
    }
    if (format === 'csv') {
      return value.join(',');
    }
    return value.length === 1 ? value[0] : `{${value.join(',')}}`;
  };

  return {
    getVariables() {
      // Only the names matter to Vigil's editors.
      return Object.keys(variables).map((name) => ({ name }) as ReturnType<TemplateSrv['getVariables']>[number]);
    },
    replace(target?: string, scopedVars?: ScopedVars, format?: Format) {
      if (target === undefined) {
        return '';
      }
      return target.replace(VARIABLE, (match, dollarName, bracketName, bracketFormat, braceName, braceFormat) => {
        const name: string = dollarName ?? bracketName ?? braceName;
        const scoped = scopedVars?.[name];
        const value: VariableValue | undefined = scoped ? scoped.value : variables[name];
        if (value === undefined) {
          return match;
        }
        return formatValue(value, bracketFormat ?? braceFormat ?? format);
      });
    },
  };
}
