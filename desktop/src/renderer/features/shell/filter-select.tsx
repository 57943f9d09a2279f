import type { ReactNode } from 'react';

/**
 * One filter of a list page: "Any …" (the empty value) and then each option. `before` holds
 * options shown ahead of "Any …" (the incidents' "Open"). The value is handed on as chosen, ''
 * for "any", and the page's filter drops empty values.
 */
export function FilterSelect<T extends string>(props: {
  label: string;
  any: string;
  options: readonly T[];
  value: string | undefined;
  onChange: (value: T | '') => void;
  text?: (option: T) => string;
  before?: ReactNode;
}) {
  return (
    <select
      aria-label={props.label}
      value={props.value ?? ''}
      onChange={(e) => props.onChange(e.target.value as T | '')}
    >
      {props.before}
      <option value="">{props.any}</option>
      {props.options.map((o) => (
        <option key={o} value={o}>
          {props.text ? props.text(o) : o}
        </option>
      ))}
    </select>
  );
}
