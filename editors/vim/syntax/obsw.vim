" Vim syntax file for obsw runbooks (.obsw). The keyword, command and builtin lists are
" checked against obsw's own declarations by the tests (HighlightingTests).
if exists("b:current_syntax")
  finish
endif

syn keyword obswConditional if elif else
syn keyword obswRepeat for in while break continue
syn keyword obswStatement let fn return try catch throw exit source
syn keyword obswCheck assert expect
syn keyword obswOperator and or not
syn keyword obswConstant true false null

" Commands: the language's own and the workflow service's.
syn keyword obswCommand print log sleep env help
syn keyword obswCommand graphs graph templates template executions execution triage start resume wait

" Builtin functions, where called.
syn match obswBuiltin "\<\%(len\|str\|type\|int\|float\|duration\|time\|now\|emulator_restores\|keys\|values\|range\|contains\|startswith\|endswith\|upper\|lower\|trim\|split\|join\|replace\|sort\|reverse\|min\|max\|sum\|abs\|round\|count\|filter\|map\|group\|json\|parse_json\)\ze("

" --option and --option=value
syn match obswOption "\%(^\|\s\)\zs--[A-Za-z][A-Za-z0-9-]*"

" Numbers and durations (250ms, 2s, 15m, 1h30m, 7d).
syn match obswDuration "\<\d\+\%(ms\|s\|m\|h\|d\)\%(\d\+\%(ms\|s\|m\|h\|d\)\)*\>"
syn match obswNumber "\<\d[0-9_]*\%(\.\d\+\)\=\%([eE][+-]\=\d\+\)\=\>"

" Variables: $name, with .field and [index] inside strings and words.
syn match obswVariable "\$[A-Za-z_][A-Za-z0-9_]*" contains=NONE
syn region obswInterpolation matchgroup=obswInterpolationDelimiter start="\${" end="}" contained contains=TOP
syn region obswSubstitution matchgroup=obswInterpolationDelimiter start="\$(" end=")" contains=TOP

" Strings: double-quoted with escapes and interpolation; single-quoted as written.
syn match obswEscape "\\\%([ntr0\"\\$']\|u{\x\+}\)" contained
syn region obswString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=obswEscape,obswVariable,obswInterpolation,obswSubstitution
syn region obswString start=+'+ end=+'+

syn match obswComment "#.*$" contains=obswTodo,@Spell
syn keyword obswTodo TODO FIXME XXX contained

hi def link obswConditional Conditional
hi def link obswRepeat Repeat
hi def link obswStatement Statement
hi def link obswCheck Keyword
hi def link obswOperator Operator
hi def link obswConstant Constant
hi def link obswCommand Function
hi def link obswBuiltin Function
hi def link obswOption Identifier
hi def link obswDuration Number
hi def link obswNumber Number
hi def link obswVariable Identifier
hi def link obswInterpolationDelimiter Delimiter
hi def link obswEscape SpecialChar
hi def link obswString String
hi def link obswComment Comment
hi def link obswTodo Todo

let b:current_syntax = "obsw"
