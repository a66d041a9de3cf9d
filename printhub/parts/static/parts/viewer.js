// The 3D viewer of a model page: the viewer mesh (binary STL, face i = face i of the
// report), a build plate, the bounding-box size, problem areas coloured per problem with
// toggles, and a toggle that turns the model to the suggested orientation.
//
// Markup (printhub/parts/templates/parts/_report.html):
//   <div data-viewer data-config="ID">…</div>   the viewer; ID names a json_script with
//     {mesh_url, problems: [{code, color, faces}], rotation: 3×3 | null, size_mm,
//      turned_overhangs: {code, color, faces}: the overhangs once turned}
//   <fieldset data-viewer-toggles="ID"> checkboxes data-problem="code" and data-orientation
// The viewer starts on page load and on every htmx swap that brings one in.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { STLLoader } from "three/addons/loaders/STLLoader.js";

const BASE_COLOR = new THREE.Color("#aab4bf");
const BACKGROUND = new THREE.Color("#f3f5f8");
const GRID_STEP_MM = 10;

function webglAvailable() {
  try {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  } catch {
    return false;
  }
}

function sizeText(size) {
  return size.map((v) => v.toFixed(1)).join(" × ") + " mm";
}

class ModelViewer {
  constructor(element) {
    this.element = element;
    const source = document.getElementById(element.dataset.config);
    this.config = JSON.parse(source.textContent);
    this.toggles = document.querySelector(`[data-viewer-toggles="${element.dataset.config}"]`);
    this.sizeLabel = element.querySelector("[data-size]");
    this.enabled = new Set(this.config.problems.map((p) => p.code));
    this.enabled.add("needs_support"); // also when only the turned model has overhangs
    this.oriented = false;
    if (!webglAvailable()) {
      this.fail(element.dataset.webglMissing);
      return;
    }
    this.setUp();
    this.load();
  }

  fail(message) {
    this.element.dataset.viewerState = "error";
    const note = document.createElement("p");
    note.className = "viewer-note";
    note.textContent = message || "";
    this.element.appendChild(note);
  }

  setUp() {
    const element = this.element;
    element.dataset.viewerState = "loading";
    // preserveDrawingBuffer: screenshots and tests read the canvas after drawing.
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.domElement.className = "viewer-canvas";
    element.prepend(this.renderer.domElement);

    this.scene = new THREE.Scene();
    this.scene.background = BACKGROUND;
    this.camera = new THREE.PerspectiveCamera(40, 1, 0.1, 10000);
    this.camera.up.set(0, 0, 1); // model files are z-up, as printers are
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x8090a0, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.6);
    key.position.set(0.5, -1, 1.5);
    this.camera.add(key); // the light follows the eye, so no side stays black
    this.scene.add(this.camera);

    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.addEventListener("change", () => this.render());

    this.resize();
    new ResizeObserver(() => this.resize()).observe(element);
    if (this.toggles) {
      this.toggles.addEventListener("change", (event) => this.onToggle(event.target));
    }
  }

  async load() {
    try {
      const response = await fetch(this.config.mesh_url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const geometry = new STLLoader().parse(await response.arrayBuffer());
      this.show(geometry);
    } catch (error) {
      console.error("viewer:", error);
      this.fail(this.element.dataset.loadFailed);
    }
  }

  show(geometry) {
    // Non-indexed: face i is vertices 3i, 3i+1, 3i+2, so a face index is a colour slot.
    this.faceCount = geometry.attributes.position.count / 3;
    this.colors = new Uint8Array(geometry.attributes.position.count * 3);
    geometry.setAttribute("color", new THREE.BufferAttribute(this.colors, 3, true));
    const material = new THREE.MeshStandardMaterial({
      vertexColors: true,
      roughness: 0.75,
      metalness: 0.05,
      side: THREE.DoubleSide, // open and flipped faces stay visible
    });
    this.mesh = new THREE.Mesh(geometry, material);
    this.holder = new THREE.Group();
    this.holder.add(this.mesh);
    this.scene.add(this.holder);
    this.paint();
    this.place();
    this.frame();
    this.element.classList.add("ready");
    this.element.dataset.viewerState = "ready";
    this.render();
  }

  paint() {
    const colors = this.colors;
    const base = [BASE_COLOR.r, BASE_COLOR.g, BASE_COLOR.b].map((c) => Math.round(c * 255));
    for (let i = 0; i < colors.length; i += 3) {
      colors[i] = base[0];
      colors[i + 1] = base[1];
      colors[i + 2] = base[2];
    }
    // Listed in painting order: later problems win where they share faces.
    for (const problem of this.layers()) {
      if (!this.enabled.has(problem.code)) continue;
      const c = new THREE.Color(problem.color);
      const rgb = [c.r, c.g, c.b].map((v) => Math.round(v * 255));
      for (const face of problem.faces) {
        if (face < 0 || face >= this.faceCount) continue;
        const start = face * 9;
        for (let k = 0; k < 9; k += 3) {
          colors[start + k] = rgb[0];
          colors[start + k + 1] = rgb[1];
          colors[start + k + 2] = rgb[2];
        }
      }
    }
    this.mesh.geometry.attributes.color.needsUpdate = true;
  }

  // The problem layers to paint. Turned, other faces face down: the overhangs are those of
  // the suggested orientation (the report's are those of the model as uploaded).
  layers() {
    const layers = this.config.problems;
    const turned = this.config.turned_overhangs;
    if (!this.oriented || !turned) return layers;
    return [turned, ...layers.filter((layer) => layer.code !== "needs_support")];
  }

  // Turn the model (or not) and stand it on the plate, centred.
  place() {
    const mesh = this.mesh;
    mesh.position.set(0, 0, 0);
    mesh.quaternion.identity();
    if (this.oriented && this.config.rotation) {
      const r = this.config.rotation;
      const matrix = new THREE.Matrix4().set(
        r[0][0], r[0][1], r[0][2], 0,
        r[1][0], r[1][1], r[1][2], 0,
        r[2][0], r[2][1], r[2][2], 0,
        0, 0, 0, 1,
      );
      mesh.quaternion.setFromRotationMatrix(matrix);
    }
    mesh.updateMatrixWorld(true);
    const box = new THREE.Box3().setFromObject(mesh, true);
    const centre = box.getCenter(new THREE.Vector3());
    mesh.position.set(-centre.x, -centre.y, -box.min.z);
    mesh.updateMatrixWorld(true);
    this.box = new THREE.Box3().setFromObject(mesh, true);
    const size = this.box.getSize(new THREE.Vector3());
    if (this.sizeLabel) this.sizeLabel.textContent = sizeText([size.x, size.y, size.z]);

    if (this.boxHelper) this.holder.remove(this.boxHelper);
    this.boxHelper = new THREE.Box3Helper(this.box, 0x5c7080);
    this.holder.add(this.boxHelper);

    if (this.grid) this.scene.remove(this.grid);
    const span = Math.max(size.x, size.y) * 1.6;
    const cells = Math.max(10, Math.ceil(span / GRID_STEP_MM));
    this.grid = new THREE.GridHelper(cells * GRID_STEP_MM, cells, 0x8a96a3, 0xd0d7de);
    this.grid.rotation.x = Math.PI / 2; // three's grid lies in XZ; the plate is XY
    this.scene.add(this.grid);
  }

  frame() {
    const sphere = this.box.getBoundingSphere(new THREE.Sphere());
    const radius = Math.max(sphere.radius, 1);
    const distance = (radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2))) * 1.1;
    const direction = new THREE.Vector3(1, -1.3, 0.9).normalize();
    this.camera.position.copy(sphere.center).addScaledVector(direction, distance);
    this.camera.near = distance / 100;
    this.camera.far = distance * 100;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(sphere.center);
    this.controls.update();
  }

  onToggle(input) {
    if (!this.mesh) return;
    if (input.dataset.problem) {
      if (input.checked) this.enabled.add(input.dataset.problem);
      else this.enabled.delete(input.dataset.problem);
      this.paint();
    } else if ("orientation" in input.dataset) {
      this.oriented = input.checked;
      this.paint();
      this.place();
      this.frame();
    }
    this.render();
  }

  resize() {
    const width = this.element.clientWidth || 400;
    const height = this.element.clientHeight || 300;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.render();
  }

  render() {
    if (this.renderer) this.renderer.render(this.scene, this.camera);
  }
}

function start(root) {
  for (const element of root.querySelectorAll("[data-viewer]:not([data-viewer-state])")) {
    try {
      new ModelViewer(element);
    } catch (error) {
      console.error("viewer:", error);
      element.dataset.viewerState = "error";
    }
  }
}

start(document);
// The report (and its viewer) arrives by an htmx swap when the analysis finishes.
document.addEventListener("htmx:load", (event) => start(event.detail.elt.parentNode || document));
