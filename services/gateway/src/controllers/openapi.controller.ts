import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ServiceInfo } from '@brainmesh/runtime';
import { OPENAPI_DOCUMENT } from '../openapi';

/** The OpenAPI 3.1 description of this API, and a human-readable reference of it. */
@Controller()
export class OpenApiController {
  constructor(
    @Inject(OPENAPI_DOCUMENT) private readonly document: () => Record<string, unknown>,
    private readonly info: ServiceInfo,
  ) {}

  @Get('openapi.json')
  @ApiOperation({
    summary: 'This OpenAPI 3.1 document',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  })
  openapi() {
    return this.document();
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
  )
  @ApiOperation({
    summary: 'Interactive API reference',
    tags: ['operations'],
    responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
  })
  docs(): string {
    return docsPage(`brainmesh API ${this.info.version}`);
  }
}

/**
 * A dependency-free reference page rendered in the browser from /openapi.json: every operation with
 * its parameters, body and responses, and a "try it" form that sends the request with your key.
 */
function docsPage(title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:24px;color:#1c1c1c}
h1{font-size:22px}details{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px}
summary{cursor:pointer}code,pre,textarea,input{font-family:ui-monospace,monospace;font-size:13px}
.m{display:inline-block;min-width:60px;font-weight:600}.get{color:#0a7}.post{color:#07c}.patch{color:#b70}.delete{color:#c22}
pre{background:#f6f6f6;padding:8px;overflow:auto}textarea{width:100%;height:80px}</style></head>
<body><h1>${title}</h1><p>Bearer credential for "try it": <input id="tok" size="60" placeholder="bm_… or an access token"></p><div id="ops">loading /openapi.json…</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{const ops=document.getElementById('ops');ops.textContent='';
for(const [path,item] of Object.entries(doc.paths))for(const [method,op] of Object.entries(item)){
const d=document.createElement('details');const s=document.createElement('summary');
s.innerHTML='<span class="m '+method+'">'+method.toUpperCase()+'</span> <code></code> — ';s.querySelector('code').textContent=path;s.append(op.summary||'');d.append(s);
const pre=document.createElement('pre');pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody&&op.requestBody.content['application/json'].schema,responses:Object.keys(op.responses)},null,2);d.append(pre);
const url=document.createElement('input');url.size=60;url.value=path;const body=document.createElement('textarea');body.placeholder='JSON body';
const out=document.createElement('pre');const b=document.createElement('button');b.textContent='Try it';
b.onclick=async()=>{const h={'content-type':'application/json'};const t=document.getElementById('tok').value;if(t)h.authorization='Bearer '+t;
const r=await fetch(url.value,{method:method.toUpperCase(),headers:h,body:['get','delete'].includes(method)?undefined:body.value||undefined});out.textContent=r.status+' '+await r.text();};
d.append(url,body,b,out);ops.append(d);}});
</script></body></html>`;
}
